require "set"

# Shared examples included in several groups: ids and names come from the
# including group, the code from spec/support/shared_examples.rb.
RSpec.describe "Collections" do
  describe Array do
    let(:collection) { [1, 2, 3] }
    it_behaves_like "a collection", 3
  end

  describe Set do
    let(:collection) { Set[:a, :b] }
    it_behaves_like "a collection", 2
  end

  describe "a frozen hash's keys" do
    let(:collection) { { "x" => 1, "y" => 2, "z" => 3, "w" => 4 }.keys.freeze }
    include_examples "a collection", 4
  end

  describe "a lying collection" do
    # size says 5 but it holds 2: the enumeration example fails.
    let(:collection) do
      Class.new(Array) { def size; 5; end }.new([1, 2])
    end
    it_behaves_like "a collection", 5
  end

  context "with a shared context" do
    include_context "with a greeting"

    it "greets in non-ASCII" do
      expect(greeting).to start_with("hé")
    end
  end
end
