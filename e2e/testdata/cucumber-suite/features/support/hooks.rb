Before('@broken_hook') do
  raise 'Before hook blew up: database not reachable'
end

Before('@skip_me') do
  skip_this_scenario('skipped by a Before hook')
end

After('@broken_after') do
  raise 'After hook blew up while cleaning up'
end
