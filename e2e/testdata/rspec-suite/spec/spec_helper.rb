# The suite jenkins-paratest's rspec preset is tested against: every awkward case
# of a real suite, with its serial verdicts as the truth (e2e/preset_rspec_test.go).
Dir[File.join(__dir__, "support", "*.rb")].sort.each { |f| require f }

RSpec.configure do |config|
  config.expect_with(:rspec) { |c| c.syntax = :expect }
  # The serial default, said out loud: files in sorted order, examples as defined.
  config.order = :defined
end
