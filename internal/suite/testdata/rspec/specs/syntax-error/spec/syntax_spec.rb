RSpec.describe "Syntax" do
  it "has an unclosed block" do
    expect(1).to eq(1)
end
