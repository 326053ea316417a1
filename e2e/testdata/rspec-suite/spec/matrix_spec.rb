# A grid of generated examples in nested contexts, and a second top-level group
# in the same file (ids [1:…] and [2:…], one classname).
RSpec.describe "Matrix" do
  (1..6).each do |row|
    context "row #{row}" do
      (1..6).each do |col|
        it "multiplies cell [#{row}, #{col}]" do
          expect(row * col).to eq(col * row)
        end
      end
    end
  end
end

RSpec.describe "Matrix transpose" do
  it "transposes a 2x3 matrix" do
    expect([[1, 2, 3], [4, 5, 6]].transpose).to eq([[1, 4], [2, 5], [3, 6]])
  end

  it "fails to transpose a ragged matrix" do
    expect([[1, 2], [3]].transpose).to eq([[1, 3], [2]])
  end
end
