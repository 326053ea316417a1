# Nested groups and generated (parametrized) examples.
class Calculator
  def add(a, b)
    a + b
  end

  def divide(a, b)
    a / b
  end
end

RSpec.describe Calculator do
  subject(:calc) { Calculator.new }

  describe "#add" do
    context "with small integers" do
      (1..15).each do |a|
        b = a * 2
        it "adds #{a} and #{b} to give #{a + b}" do
          expect(calc.add(a, b)).to eq(a + b)
        end
      end
    end

    context "with negative numbers" do
      [[-1, -1, -2], [-5, 3, -2], [0, -7, -7], [-100, 100, 0], [-3, -4, -7]].each do |a, b, sum|
        it "adds (#{a}) + (#{b}) = #{sum}" do
          expect(calc.add(a, b)).to eq(sum)
        end
      end
    end

    context "with floats" do
      [[0.1, 0.2], [1.5, 2.25], [3.0, 4.0], [1e10, 1e-10]].each do |a, b|
        it "adds #{a} and #{b} approximately" do
          expect(calc.add(a, b)).to be_within(1e-9).of(a + b)
        end
      end
      # A wrong expectation: a real failure, in the middle of a table.
      it "adds 0.1 and 0.2 to exactly 0.3" do
        expect(calc.add(0.1, 0.2)).to eq(0.3)
      end
    end
  end

  describe "#divide" do
    [[10, 2, 5], [9, 3, 3], [7, 7, 1], [100, 10, 10], [8, 4, 2], [81, 9, 9], [1, 1, 1], [64, 8, 8]].each do |a, b, q|
      it "divides [#{a}, #{b}] into #{q}" do
        expect(calc.divide(a, b)).to eq(q)
      end
    end

    it "divides [1, 0] and raises" do
      calc.divide(1, 0) # ZeroDivisionError: an error raised in an example
    end

    it "divides [1, 0] and expects the error" do
      expect { calc.divide(1, 0) }.to raise_error(ZeroDivisionError)
    end
  end

  describe "generated descriptions" do
    subject { 2 + 2 }

    it { is_expected.to eq(4) }
    it { is_expected.to be_even }
    it { is_expected.not_to be_zero }
  end
end
