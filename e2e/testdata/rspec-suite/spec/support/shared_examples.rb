RSpec.shared_examples "a collection" do |size|
  it "is not nil" do
    expect(collection).not_to be_nil
  end

  it "has #{size} elements" do
    expect(collection.size).to eq(size)
  end

  it "responds to each" do
    expect(collection).to respond_to(:each)
  end

  it "enumerates every element [exactly once]" do
    seen = []
    collection.each { |e| seen << e }
    expect(seen.size).to eq(size)
  end

  it "includes its first element" do
    expect(collection).to include(collection.first)
  end
end

RSpec.shared_context "with a greeting" do
  let(:greeting) { "héllo, wörld" }
end
