# encoding: utf-8
# A long table of generated examples with non-ASCII units in their names.
RSpec.describe "Temperature conversion" do
  def to_fahrenheit(c)
    c * 9.0 / 5 + 32
  end

  def to_celsius(f)
    (f - 32) * 5.0 / 9
  end

  context "from °C to °F" do
    (-20..39).each do |c|
      f = c * 9.0 / 5 + 32
      it "converts #{c} °C to #{f.round(1)} °F" do
        expect(to_fahrenheit(c)).to be_within(1e-9).of(f)
      end
    end
  end

  context "round trips (°F → °C → °F)" do
    [-40, 0, 32, 98.6, 212, 451].each do |f|
      it "keeps #{f} °F" do
        expect(to_fahrenheit(to_celsius(f))).to be_within(1e-9).of(f)
      end
    end
  end

  context "absolute zero" do
    it "is −273.15 °C" do
      expect(to_fahrenheit(-273.15)).to be_within(1e-9).of(-459.67)
    end
  end
end
