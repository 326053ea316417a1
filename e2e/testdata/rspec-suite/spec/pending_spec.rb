# Every way RSpec skips: rspec_junit_formatter writes <skipped/> for pending
# examples, and a failure for a pending example that passes.
RSpec.describe "Pending and skipped" do
  it "is pending and fails as expected" do
    pending("the feature is not written yet")
    expect(1).to eq(2)
  end

  it "is pending but passes" do
    pending("we thought this was broken")
    expect(1).to eq(1)
  end

  it "is pending by metadata and fails", pending: "flaky upstream" do
    raise "still broken"
  end

  it "is pending by metadata and passes", pending: true do
    expect(true).to be(true)
  end

  it "skips itself mid-way" do
    skip("no network in the container")
    raise "never reached"
  end

  xit "is disabled with xit" do
    raise "never reached"
  end

  it "is skipped by metadata", skip: "needs a GPU" do
    raise "never reached"
  end

  it "has no body yet"

  xdescribe "a disabled group" do
    it "is skipped as part of the group" do
      raise "never reached"
    end

    it "is skipped too" do
      raise "never reached"
    end
  end

  describe "a group skipped in before(:context)" do
    before(:context) { skip("the service is down") }

    it "is skipped by its group's hook" do
      raise "never reached"
    end

    it "is skipped by its group's hook as well" do
      raise "never reached"
    end
  end
end
