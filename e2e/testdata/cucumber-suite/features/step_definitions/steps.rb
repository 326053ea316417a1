# encoding: utf-8

Given(/^a number (-?\d+)$/) do |n|
  @numbers ||= []
  @numbers << n.to_i
end

When(/^I add them$/) do
  @sum = @numbers.inject(0, :+)
end

Then(/^the sum is (-?\d+)$/) do |n|
  expect(@sum).to eq(n.to_i)
end

Given(/^the text "(.*)"$/) do |s|
  @text = s
end

Then(/^its length is (\d+)$/) do |n|
  expect(@text.length).to eq(n.to_i)
end

Then(/^it reads "(.*)"$/) do |s|
  expect(@text).to eq(s)
end

Given(/^a clean background$/) do
  @background = true
end

Then(/^the background ran$/) do
  expect(@background).to be true
end

Given(/^a step that passes$/) do
end

Given(/^a step that prints "(.*)"$/) do |s|
  $stdout.puts s
  $stderr.puts "stderr: #{s}"
end

Given(/^a step that fails with "(.*)"$/) do |msg|
  raise msg
end

Then(/^(\d+) equals (\d+)$/) do |a, b|
  expect(a.to_i).to eq(b.to_i)
end

Given(/^a step that is pending$/) do
  pending('not written yet')
end

Given(/^a step that sleeps (\d+(?:\.\d+)?) seconds?$/) do |s|
  sleep s.to_f
end

Given(/^the runner process dies$/) do
  $stdout.flush
  exit!(3)
end

Given(/^the shared state is set to "(.*)"$/) do |v|
  $paratest_shared = v
end

Then(/^the shared state is "(.*)"$/) do |v|
  expect($paratest_shared).to eq(v)
end

Given(/^the counter is bumped$/) do
  $paratest_counter += 1
end

Then(/^the counter was bumped before$/) do
  expect($paratest_counter).to be > 0
end

Given(/^the table:$/) do |table|
  @rows = table.raw
end

Then(/^the table has (\d+) rows$/) do |n|
  expect(@rows.size).to eq(n.to_i)
end

Given(/^the doc string:$/) do |s|
  @text = s
end
