# The "B" halves of the order-dependent pairs: they pass in a serial run only
# because spec/a_ledger_spec.rb ran first in the same process; alone they fail.
RSpec.describe "Ledger check" do
  it "sees the ledger opened earlier" do
    expect($paratest_ledger).to eq(:open)
  end

  it "runs in the mode set earlier" do
    expect(ENV["PARATEST_RSPEC_MODE"]).to eq("strict")
  end

  it "uses the currency registered earlier" do
    expect(defined?(PARATEST_CURRENCY) && PARATEST_CURRENCY).to eq("EUR")
  end

  describe "accounts" do
    8.times do |i|
      it "balances account #{i + 1}" do
        expect(i - i).to eq(0)
      end
    end
  end
end
