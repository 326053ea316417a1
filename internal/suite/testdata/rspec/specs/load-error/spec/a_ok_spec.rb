RSpec.describe "Fine" do
  it "passes" do
    expect(1).to eq(1)
  end
end
