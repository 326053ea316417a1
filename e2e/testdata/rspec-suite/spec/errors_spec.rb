# Errors raised in examples and in hooks. rspec_junit_formatter writes every one
# of them as a <failure>; errors in after(:context) hooks reach no testcase.
RSpec.describe "Errors" do
  it "raises a RuntimeError" do
    raise "boom: something broke"
  end

  it "calls a method on nil" do
    nil.frobnicate
  end

  it "raises a custom error with a multi-line message" do
    raise ArgumentError, "first line of the message\nsecond line\nthird line"
  end

  it "fails two expectations at once" do
    aggregate_failures do
      expect(1).to eq(2)
      expect("a").to eq("b")
    end
  end

  it "passes among the errors" do
    expect(:ok).to eq(:ok)
  end

  describe "with a failing before(:each)" do
    before { raise "before each broke" }

    it "fails in its hook once" do
      expect(true).to be(true)
    end

    it "fails in its hook twice" do
      expect(true).to be(true)
    end
  end

  describe "with a failing before(:context)" do
    before(:context) { raise "before context broke" }

    it "is failed by the context hook" do
      expect(true).to be(true)
    end

    it "is failed by the context hook too" do
      expect(true).to be(true)
    end

    context "and a nested group" do
      it "is failed by its parent's context hook" do
        expect(true).to be(true)
      end
    end
  end

  describe "with a failing after(:each)" do
    after { raise "after each broke" }

    it "passes but its after hook fails" do
      expect(true).to be(true)
    end
  end

  describe "with a failing after(:context)" do
    after(:context) { raise "after context broke" }

    it "passes before the after(:context) hook" do
      expect(true).to be(true)
    end

    it "passes before the after(:context) hook too" do
      expect(true).to be(true)
    end
  end

  describe "with a failing let!" do
    let!(:connection) { raise IOError, "connection refused" }

    it "never gets its connection" do
      expect(connection).to be_nil
    end
  end

  describe "with a failing around hook" do
    around { |ex| raise "around broke"; ex.run }

    it "is failed by the around hook" do
      expect(true).to be(true)
    end
  end

  it "raises a non-StandardError Exception" do
    raise Exception, "a bare Exception"
  end

  it "passes after the errors" do
    expect([1, 2]).to contain_exactly(2, 1)
  end
end
