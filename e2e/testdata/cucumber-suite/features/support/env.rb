# The suite's World: plain Ruby, no extra gems beyond Debian's cucumber.
require 'rspec/expectations'

# Set by a step of "Order setup" (05_order_setup.feature); read by the scenarios
# of "Order dependent" (10_order_dependent.feature), which pass in the serial
# order only because the setup feature ran before them in the same process.
$paratest_shared = nil
$paratest_counter = 0
