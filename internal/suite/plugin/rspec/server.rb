# jenkins-paratest's warm rspec server, for the agent's client (`agent warm`;
# internal/agent/warm.go describes the protocol). It is the `rspec` of the image itself, so that the same Ruby,
# gems and binstub load it as a cold batch, and it becomes the server when
# rspec requires it, last of the `--require` options:
#
#   PARATEST_WARM_SOCKET=SOCKET rspec [args...] --require /.paratest/rspec/server.rb
#
# By then rspec has loaded rspec-core, parsed .rspec and the arguments, and
# required what they name before it (spec_helper, rails_helper): that is the
# preloaded state, with our formatter, the progress formatter and the
# expectation and mock libraries rspec-core would load for the first example
# group. It loads no spec file (rspec `load`s those, so a child would define
# every group twice) and never runs an example. It writes its pid to
# SOCKET.pid, listens on SOCKET and forks a child per batch, from that state:
# never from what an earlier batch left.
#
# A child runs the batch as the cold command would: the client's descriptors as
# 0, 1 and 2, its working directory and environment, then
# RSpec::Core::Runner.run with the command's arguments and exit with its
# status (at_exit handlers run, as they do at the end of a cold rspec). A
# command that is not this rspec, another working directory or other RUBY*,
# GEM_* or BUNDLE* variables (which shape Ruby and its gems at the start) are
# refused: the client runs them cold. When a required file failed to load, the
# server does not start: rspec reports the error and exits, and the clients run
# their batches cold.
require "socket"
require "rspec/core"

module JenkinsParatestWarmServer
  FORMATTER = File.join(__dir__, "formatter.rb")
  SHAPING = %w[RUBY GEM_ BUNDLE].freeze

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

  def serve(path)
    preload
    rspec = realpath($PROGRAM_NAME)
    cwd = Dir.pwd
    env = shaping(ENV.map { |k, v| "#{k}=#{v}" })
    refusal = lambda do |req|
      cmd = req["argv"] || []
      req_env = req["env"] || []
      exe = which(cmd[0].to_s, req_env.find { |kv| kv.start_with?("PATH=") }&.delete_prefix("PATH=")&.force_encoding(Encoding.default_external))
      next "another rspec than the server's (#{exe})" if cmd.empty? || realpath(exe) != rspec
      next "another working directory than the server's (#{cwd})" if req["cwd"] != cwd.b
      next "other RUBY*, GEM_* or BUNDLE* variables than the server's" if shaping(req_env) != env

      nil
    end

    File.unlink(path) if File.exist?(path)
    listener = UNIXServer.new(path)
    File.write("#{path}.pid.tmp", "#{Process.pid}\n")
    File.rename("#{path}.pid.tmp", "#{path}.pid")
    conns = {} # the clients' connections, to close in a child
    log format("ready %.2fs after rspec-core loaded (pid %d, %s)", RSpec::Core::Time.now - RSpec.configuration.start_time, Process.pid, path)
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
        child(req, fds)
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

  def child(req, fds)
    $stdin.reopen(fds[0])
    $stdout.reopen(fds[1])
    $stderr.reopen(fds[2])
    fds.each(&:close)
    Dir.chdir(req["cwd"])
    ENV.replace(req["env"].select { |kv| kv.include?("=") }.to_h { |kv| kv.split("=", 2) })
    args = req["argv"][1..]
    ARGV.replace(args)
    config = RSpec.configuration
    # A cold rspec's backtraces and load time start at its own start.
    config.backtrace_exclusion_patterns << /#{Regexp.escape(__dir__)}/
    config.start_time = RSpec::Core::Time.now
    exit RSpec::Core::Runner.run(args, $stderr, $stdout).to_i
  end
end

if (socket = ENV.delete("PARATEST_WARM_SOCKET"))
  if RSpec.world.wants_to_quit || (RSpec.world.respond_to?(:rspec_is_quitting) && RSpec.world.rspec_is_quitting)
    JenkinsParatestWarmServer.log("a required file did not load; batches run cold")
  else
    JenkinsParatestWarmServer.serve(socket)
  end
end
