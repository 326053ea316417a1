# Slow examples: a serial run pays for every one of them.
RSpec.describe "Slow work" do
  [1, 1.5, 2].each do |seconds|
    it "sleeps #{seconds} s" do
      sleep seconds
      expect(seconds).to be > 0
    end
  end

  it "is quick between the slow ones" do
    expect(1).to eq(1)
  end
end
