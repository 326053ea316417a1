require "missing_helper_library"

RSpec.describe "Broken" do
  it "never loads" do
    expect(1).to eq(1)
  end
end
