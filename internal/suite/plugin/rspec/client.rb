# jenkins-paratest's warm-runner client: runs one batch in the container's warm
# rspec server (server.rb), or cold when there is none.
#
#   ruby --disable-gems client.rb SOCKET -- COMMAND...
#
# COMMAND is the batch's cold command (rspec --require formatter.rb ... -- IDS).
# The protocol is the pytest preset's (plugin/pytest/client.py describes it):
# one request of NUL-terminated fields with the client's stdin, stdout and
# stderr riding on it (SCM_RIGHTS); the server forks a child from its
# preloaded state that takes them as 0, 1 and 2 and runs
# RSpec::Core::Runner with COMMAND's arguments, as the cold command would; the
# server answers "refuse WHY", "pid N", then "exit N" or "signal N", and the
# client exits with the child's code, or 128+N as a shell would. When the
# client goes (the agent's timeout kills its process group), the server kills
# the child's group. A verdict never depends on the server: the client execs
# COMMAND itself when no server listens (none started, it died, or it is still
# loading: the server listens only once spec_helper is loaded), when the
# server refuses, or when it dies before the child's status (after killing the
# child's group and waiting for it to be gone).
#
# Only Ruby's socket library, without RubyGems or json: it starts in a few
# milliseconds more than ruby itself.
require "socket"

module JenkinsParatestWarmClient
  POLL = 0.01

  module_function

  def cold(cmd, why = nil)
    if why
      $stderr.puts "paratest: warm rspec server: #{why}; running the batch cold"
      $stderr.flush
    end
    exec(*cmd)
  end

  def alive?(pid)
    Process.kill(0, pid)
    true
  rescue Errno::ESRCH
    false
  rescue Errno::EPERM
    true
  end

  # A connection to the server at path, or nil when there is none: no pid file
  # (none started, or still loading the suite: this batch does not wait for
  # it), or a server that is gone.
  def connect(path)
    UNIXSocket.new(path)
  rescue SystemCallError
    nil
  end

  def request(cmd)
    env = ENV.map { |k, v| "#{k}=#{v}" }
    fields = ["PARATEST-WARM 1", Dir.pwd, cmd.length.to_s, *cmd, env.length.to_s, *env]
    fields.map { |f| f.b + "\0" }.join.b
  end

  # Kills the process group pgid and waits until it has no process left.
  def gone(pgid, within = 10.0)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + within
    while Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
      begin
        Process.kill(:KILL, -pgid)
      rescue Errno::ESRCH, Errno::EPERM
        return
      end
      sleep POLL
    end
  end

  def main(argv)
    unless argv.length >= 3 && argv[1] == "--"
      $stderr.puts "usage: client.rb SOCKET -- COMMAND..."
      return 2
    end
    path, cmd = argv[0], argv[2..]
    cold(cmd) if %w[0 false no off].include?(ENV.fetch("PARATEST_WARM", "").downcase)
    conn = begin
      connect(path)
    rescue StandardError
      nil
    end
    cold(cmd) unless conn
    begin
      req = request(cmd)
      sent = conn.sendmsg(req, 0, nil, Socket::AncillaryData.unix_rights($stdin, $stdout, $stderr))
      conn.write(req.byteslice(sent..)) if sent < req.bytesize
    rescue StandardError => e
      cold(cmd, "cannot send the batch (#{e.message})")
    end
    pid = 0
    begin
      while (line = conn.gets)
        word, rest = line.chomp.split(" ", 2)
        case word
        when "refuse" then cold(cmd, "refused the batch (#{rest})")
        when "pid" then pid = Integer(rest)
        when "exit" then return Integer(rest)
        when "signal" then return 128 + Integer(rest)
        end
      end
    rescue StandardError
      # a broken line or connection: as if the server died
    end
    # The server died before the child's status: the child goes too, and the
    # batch runs again on its own.
    gone(pid) if pid > 0
    cold(cmd, "it ended before the batch did")
  end
end

exit!(JenkinsParatestWarmClient.main(ARGV)) if $PROGRAM_NAME == __FILE__
