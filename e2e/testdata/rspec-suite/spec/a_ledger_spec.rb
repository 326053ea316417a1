# The "A" halves of the order-dependent pairs: state left behind for
# spec/z_ledger_check_spec.rb, which only passes when this file ran first.
RSpec.describe "Ledger setup" do
  it "opens the ledger" do
    $paratest_ledger = :open
    expect($paratest_ledger).to eq(:open)
  end

  it "switches the mode to strict" do
    ENV["PARATEST_RSPEC_MODE"] = "strict"
    expect(ENV["PARATEST_RSPEC_MODE"]).to eq("strict")
  end

  it "registers the default currency" do
    Object.const_set(:PARATEST_CURRENCY, "EUR") unless defined?(PARATEST_CURRENCY)
    expect(PARATEST_CURRENCY).to eq("EUR")
  end

  describe "entries" do
    10.times do |i|
      it "records entry ##{i + 1}" do
        expect((i + 1) * 10).to be > i
      end
    end
  end
end
