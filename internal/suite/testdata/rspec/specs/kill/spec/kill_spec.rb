RSpec.describe "Killed" do
  it "passes first" do
    expect(1).to eq(1)
  end

  it "is killed by SIGKILL" do
    Process.kill(:KILL, Process.pid)
  end

  it "never starts" do
    expect(1).to eq(1)
  end
end
