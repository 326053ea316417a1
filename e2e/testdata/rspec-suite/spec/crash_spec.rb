# A crash in the middle of a file: one example kills the rspec process. A serial
# run cannot survive it and runs with --tag ~crash; jenkins-paratest runs it.
RSpec.describe "Crash" do
  5.times do |i|
    it "runs before the crash (#{i + 1})" do
      expect(i).to be >= 0
    end
  end

  it "kills the rspec process with exit!", crash: true do
    $stdout.flush
    exit!(3)
  end

  5.times do |i|
    it "runs after the crash (#{i + 1})" do
      expect(i).to be < 5
    end
  end

  it "fails after the crash" do
    expect("after").to eq("before")
  end
end
