# jenkins-paratest's warm rspec server, for the agent's client (`agent warm`;
# internal/agent/warm.go describes the protocol). It is the `rspec` of the image itself, so that the same Ruby,
# gems and binstub load it as a cold batch, and it becomes the server when
# rspec requires it, last of the `--require` options:
#
#   PARATEST_WARM_SOCKET=SOCKET rspec [args...] --require /.paratest/rspec/server.rb
#
# By then rspec has loaded rspec-core, parsed .rspec and the arguments, and
# required what they name before it (spec_helper, rails_helper). The server
# adds our formatter, the progress formatter and the expectation and mock
# libraries rspec-core would load for the first example group, then loads the
# spec files a run with its arguments loads (config.files_to_run, as rspec's
# load_spec_files does, noting which top-level groups each file defined): that
# is the preloaded state. It never runs an example. It writes its pid to
# SOCKET.pid, listens on SOCKET and forks a child per batch, from that state:
# never from what an earlier batch left.
#
# The commands it runs are the preset's (internal/suite/rspec.go): the
# listing, `rspec --dry-run --require FORMATTER --format CLASS --out FILE
# [args...]`, and a batch, `rspec --require FORMATTER --format CLASS --out FILE
# [args...] --format progress -- ID...`, with the server's own args. A child
# takes the client's descriptors as 0, 1 and 2, its working directory and
# environment, then runs RSpec::Core::Runner.run with the command's arguments
# and exits with its status (at_exit handlers run, as they do at the end of a
# cold rspec), loading no spec file again: where rspec would load the
# command's files, in their order (a batch's ids' files as given, the listing
# every file), it takes the groups those files defined in the server and
# leaves out every other file's (rspec's id filter would run all the examples
# of a file it names no id of). So the child runs, or lists, what the cold
# command would, in its order, with its hooks, reporter, names and exit
# status. A command that is not one of those two with the server's args,
# another rspec, another working directory, other RUBY*, GEM_* or BUNDLE*
# variables (which shape Ruby and its gems at the start) or another
# SPEC_OPTS (more options) is refused: the client runs it cold. When a required file or a spec file
# fails to load, the server does not start: rspec reports the error and
# exits, and the clients run their commands cold (the cold listing reports
# the error).
require "socket"
require "rspec/core"

module JenkinsParatestWarmServer
  FORMATTER = File.join(__dir__, "formatter.rb")
  FORMATTER_CLASS = "JenkinsParatest::RSpecFormatter"
  SHAPING = %w[RUBY GEM_ BUNDLE SPEC_OPTS=].freeze

  # What the server loaded: the top-level groups defined before any spec file
  # (by spec_helper), the files that had defined groups by then, and each spec
  # file's own top-level groups, in their order.
  Loaded = Struct.new(:before, :registered, :files)

  module_function

  def log(msg)
    $stderr.puts "paratest: warm rspec server: #{msg}"
    $stderr.flush
  end

  def which(cmd, path)
    return File.expand_path(cmd) if cmd.include?("/")
    (path || "").split(File::PATH_SEPARATOR).each do |dir|
      f = File.join(dir, cmd)
      return f if File.file?(f) && File.executable?(f)
    end
    nil
  end

  def realpath(f)
    f && File.realpath(f)
  rescue SystemCallError
    nil
  end

  def shaping(env)
    env.map(&:b).select { |kv| kv.start_with?(*SHAPING) }.sort
  end

  def preload
    require FORMATTER
    require "rspec/core/formatters/progress_formatter"
    # What rspec-core requires for the first example group, had spec_helper
    # not chosen other libraries.
    %w[rspec/expectations rspec/mocks].each do |lib|
      require lib
    rescue LoadError
      nil
    end
  end

  def quitting?
    world = RSpec.world
    world.wants_to_quit || (world.respond_to?(:rspec_is_quitting) && world.rspec_is_quitting)
  end

  # The server's own arguments: rspec's before the `--require` of this file,
  # which the preset puts last; nil when they are not.
  def own_args(argv)
    return nil unless argv.length >= 2 && argv[-2] == "--require" && File.expand_path(argv[-1]) == File.expand_path(__FILE__)

    argv[0...-2]
  end

  # :list or :batch for the preset's commands with the server's args (see the
  # top of this file), nil for any other.
  def kind(args, own)
    dry = args[0] == "--dry-run"
    a = dry ? args[1..] : args
    return nil unless own && a.length >= 6 && a[0] == "--require" && File.expand_path(a[1]) == FORMATTER &&
                      a[2] == "--format" && a[3] == FORMATTER_CLASS && a[4] == "--out"

    rest = a[6..]
    return (rest == own ? :list : nil) if dry

    tail = rest[own.length, 3]
    rest[0, own.length] == own && tail == ["--format", "progress", "--"] ? :batch : nil
  end

  # Loads the spec files as rspec's load_spec_files would, once, noting each
  # file's groups; nil when one did not load (rspec has reported it).
  def load_suite
    config = RSpec.configuration
    world = RSpec.world
    reporter = config.instance_variable_get(:@reporter)
    loaded = Loaded.new(world.example_groups.dup, world.registered_example_group_files.dup, {})
    config.files_to_run.uniq.each do |f|
      file = File.expand_path(f)
      next if loaded.files.key?(file)

      n = world.example_groups.length
      load_file(config, file)
      loaded.files[file] = world.example_groups[n..]
    end
    return nil if quitting?

    # A reporter made while loading (a deprecation) has the default formatter
    # only: a cold run makes its reporter after the command's formatters.
    config.reset_reporter if reporter.nil? && config.instance_variable_get(:@reporter)
    loaded
  end

  def load_file(config, file)
    if config.respond_to?(:load_file_handling_errors, true)
      config.__send__(:load_file_handling_errors, :load, file)
    else
      load file
    end
  end

  # Makes the child's load_spec_files take the command's files' groups from
  # what the server loaded, in the order of the command's files_to_run, and
  # only those: what the cold command's load_spec_files would define. A file
  # the server did not load is loaded, as the cold command does.
  def use_loaded(config, loaded)
    config.define_singleton_method(:load_spec_files) do
      world = RSpec.world
      loaded.registered.each { |f| loaded_spec_files << f }
      groups = loaded.before.dup
      files_to_run.uniq.each do |f|
        file = File.expand_path(f)
        if (own = loaded.files[file])
          groups.concat(own)
        else
          n = world.example_groups.length
          JenkinsParatestWarmServer.load_file(self, file)
          groups.concat(world.example_groups[n..])
        end
        loaded_spec_files << file
      end
      world.example_groups.replace(groups.uniq)
      @spec_files_loaded = true
    end
  end

  def serve(path, loaded)
    rspec = realpath($PROGRAM_NAME)
    cwd = Dir.pwd
    env = shaping(ENV.map { |k, v| "#{k}=#{v}" })
    own = own_args(ARGV)
    refusal = lambda do |req|
      cmd = req["argv"] || []
      req_env = req["env"] || []
      exe = which(cmd[0].to_s, req_env.find { |kv| kv.start_with?("PATH=") }&.delete_prefix("PATH=")&.force_encoding(Encoding.default_external))
      next "another rspec than the server's (#{exe})" if cmd.empty? || realpath(exe) != rspec
      next "another working directory than the server's (#{cwd})" if req["cwd"] != cwd.b
      next "other RUBY*, GEM_*, BUNDLE* or SPEC_OPTS variables than the server's" if shaping(req_env) != env
      next "not the preset's listing or batch with the server's arguments (#{own.inspect})" unless kind(cmd[1..], own)

      nil
    end

    File.unlink(path) if File.exist?(path)
    listener = UNIXServer.new(path)
    File.write("#{path}.pid.tmp", "#{Process.pid}\n")
    File.rename("#{path}.pid.tmp", "#{path}.pid")
    conns = {} # the clients' connections, to close in a child
    log format("ready %.2fs after rspec-core loaded, %d spec files loaded (pid %d, %s)",
               RSpec::Core::Time.now - RSpec.configuration.start_time, loaded.files.length, Process.pid, path)
    loop do
      conn = listener.accept
      req, fds = receive(conn)
      why = req ? refusal.call(req) : "a bad request"
      if why
        fds.each(&:close)
        reply(conn, "refuse", why)
        conn.close
        next
      end
      $stdout.flush
      $stderr.flush
      pid = fork do
        Process.setpgid(0, 0)
        listener.close
        conns.each_key { |c| c.close rescue nil }
        conn.close
        child(req, fds, loaded)
      end
      begin
        Process.setpgid(pid, pid)
      rescue SystemCallError
        nil # the child did it, or has already exited
      end
      fds.each(&:close)
      conns[conn] = true
      reply(conn, "pid", pid)
      watch(conn, pid, conns)
    end
  end

  # The request and the three descriptors that came with it; nil and none
  # for a request that cannot be read.
  def receive(conn)
    data, _, _, *controls = conn.recvmsg(1 << 16, 0, nil, scm_rights: true)
    fds = controls.flat_map { |c| c.cmsg_is?(:SOCKET, :RIGHTS) ? c.unix_rights : [] }
    until (req = parse(data))
      more = conn.readpartial(1 << 16)
      data << more
      raise ArgumentError, "request too long" if data.bytesize > 64 << 20
    end
    return [nil, fds] unless fds.length == 3

    [req, fds]
  rescue StandardError
    [nil, fds || []]
  end

  # A client's request (internal/agent/warm.go describes it), or nil while data holds only
  # its start.
  def parse(data)
    fields = data.b.split("\0", -1)[0...-1] # the complete ones
    raise ArgumentError, "not a paratest warm request" if fields[0] && fields[0] != "PARATEST-WARM 1"
    return nil if fields.length < 3

    n = Integer(fields[2])
    return nil if fields.length < 4 + n

    m = Integer(fields[3 + n])
    return nil if fields.length < 4 + n + m

    # Bytes, but the arguments: Ruby gives ARGV the locale's encoding.
    argv = fields[3, n].map { |f| f.force_encoding(Encoding.default_external) }
    { "cwd" => fields[1], "argv" => argv, "env" => fields[4 + n, m] }
  end

  def reply(conn, word, value)
    conn.write("#{word} #{value}\n")
  rescue SystemCallError, IOError
    nil
  end

  # Sends the child's status to its client and kills its group: the client
  # going first (its batch was killed), or the child ending (its leftovers go
  # with it, as the agent's do).
  def watch(conn, pid, conns)
    Thread.new do
      killer = Thread.new do
        IO.select([conn])
        Process.kill(:KILL, -pid)
      rescue SystemCallError, IOError
        nil
      end
      _, status = Process.wait2(pid)
      killer.kill
      begin
        Process.kill(:KILL, -pid)
      rescue SystemCallError
        nil
      end
      how = status.signaled? ? ["signal", status.termsig] : ["exit", status.exitstatus]
      log "batch in child #{pid}: #{how.join(" ")}"
      reply(conn, *how)
      conns.delete(conn)
      conn.close rescue nil
    end
  end

  def child(req, fds, loaded)
    $stdin.reopen(fds[0])
    $stdout.reopen(fds[1])
    $stderr.reopen(fds[2])
    fds.each(&:close)
    Dir.chdir(req["cwd"])
    ENV.replace(req["env"].select { |kv| kv.include?("=") }.to_h { |kv| kv.split("=", 2) })
    args = req["argv"][1..]
    ARGV.replace(args)
    config = RSpec.configuration
    # A cold rspec's load time starts at its own start.
    config.start_time = RSpec::Core::Time.now
    use_loaded(config, loaded)
    exit RSpec::Core::Runner.run(args, $stderr, $stdout).to_i
  end
end

if (socket = ENV.delete("PARATEST_WARM_SOCKET"))
  if JenkinsParatestWarmServer.quitting?
    JenkinsParatestWarmServer.log("a required file did not load; batches run cold")
  else
    JenkinsParatestWarmServer.preload
    # The server's frames are not the suite's: out of backtraces, the
    # children's included.
    RSpec.configuration.backtrace_exclusion_patterns << /#{Regexp.escape(__dir__)}/
    if (loaded = JenkinsParatestWarmServer.load_suite)
      JenkinsParatestWarmServer.serve(socket, loaded)
    else
      JenkinsParatestWarmServer.log("a spec file did not load; batches run cold")
    end
  end
end
