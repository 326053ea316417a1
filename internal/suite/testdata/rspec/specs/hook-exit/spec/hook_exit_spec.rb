RSpec.describe "Hook exit" do
  it "passes first" do
    expect(1).to eq(1)
  end

  describe "a group whose before(:context) exits" do
    before(:context) { exit!(4) }

    it "never starts" do
      expect(1).to eq(1)
    end

    it "never starts either" do
      expect(1).to eq(1)
    end
  end
end
