# jenkins-paratest's RSpec formatter: one JSON object a line, flushed as it is
# written, so that what a run left behind can be read even when the process died
# in the middle of an example (exit!, a signal, the agent's timeout kill).
#
#   rspec --require /.paratest/rspec/formatter.rb \
#         --format JenkinsParatest::RSpecFormatter --out FILE ...
#
# Events, in the order RSpec runs (a --dry-run lists in serial order):
#   {"event":"start","rspec":"3.12.0","count":N}
#   {"event":"example_started","id":"./spec/a_spec.rb[1:2]","classname":…,"name":…}
#   {"event":"example_finished","id":…,"status":"passed|failed|pending",
#    "classname":…,"name":…,"file":…,"duration":S,"type":…,"message":…,"details":…}
#   {"event":"message","message":…}   (errors outside examples, among others)
#   {"event":"summary","examples":N,"failures":N,"pending":N,"errors_outside":N}
#   {"event":"close"}
#
# classname and name are those rspec_junit_formatter (0.3 and later) writes, computed
# here by its rules so that images without that gem name tests the same way.
require "json"
require "rspec/core"
require "rspec/core/formatters/base_formatter"

module JenkinsParatest
  class RSpecFormatter
    RSpec::Core::Formatters.register self,
      :start, :example_started, :example_finished, :message, :dump_summary, :close

    def initialize(output)
      @output = output
      @output.sync = true if @output.respond_to?(:sync=)
    end

    def start(notification)
      emit(event: "start", rspec: RSpec::Core::Version::STRING, count: notification.count)
    end

    def example_started(notification)
      ex = notification.example
      emit(event: "example_started", id: ex.id, classname: self.class.classname(ex), name: self.class.testcase_name(ex))
    end

    def example_finished(notification)
      ex = notification.example
      res = ex.execution_result
      ev = {
        event: "example_finished", id: ex.id, status: res.status.to_s,
        classname: self.class.classname(ex), name: self.class.testcase_name(ex),
        file: self.class.group_file(ex), duration: res.run_time.to_f
      }
      case res.status
      when :failed
        exc = res.exception
        full = RSpec::Core::Notifications::ExampleNotification.for(ex)
        ev[:type] = exc.class.name
        ev[:message] = plain(exc.message)
        lines = plain(full.message_lines.join("\n"))
        # Aggregated failures have no message lines: their message holds them.
        lines = ev[:message] if lines.strip.empty?
        ev[:details] = lines + "\n" + full.formatted_backtrace.join("\n")
      when :pending
        ev[:message] = res.pending_message.to_s
        if (exc = res.pending_exception)
          ev[:type] = exc.class.name
          ev[:details] = plain(exc.message)
        end
      end
      emit(ev)
    end

    def message(notification)
      emit(event: "message", message: plain(notification.message.to_s))
    end

    def dump_summary(notification)
      emit(event: "summary", examples: notification.example_count, failures: notification.failure_count,
           pending: notification.pending_count, errors_outside: notification.errors_outside_of_examples_count)
    end

    def close(_notification)
      emit(event: "close")
    end

    # The file of the example's top-level group: rspec_junit_formatter's
    # example_group_file_path_for.
    def self.group_file(example)
      meta = example.metadata[:example_group]
      while (parent = meta[:parent_example_group])
        meta = parent
      end
      meta[:file_path].to_s
    end

    # rspec_junit_formatter's classname_for: the file without its extension,
    # slashes to dots, no leading or trailing dots ("./spec/a_spec.rb" →
    # "spec.a_spec").
    def self.classname(example)
      xml_text(group_file(example).sub(%r{\.[^/]*\Z}, "").gsub("/", ".").gsub(%r{\A\.+|\.+\Z}, ""))
    end

    # rspec_junit_formatter's description_for: the full description. Generated
    # descriptions ("is expected to eq 4") exist only after the example ran.
    def self.testcase_name(example)
      xml_text(example.full_description)
    end

    # What a JUnit reader (Jenkins) sees of an attribute rspec_junit_formatter
    # wrote: its escape turns characters XML cannot hold into Ruby-like escapes,
    # and the reader's attribute-value normalization turns tabs and line ends
    # (which it writes raw) into spaces.
    ILLEGAL = Regexp.new("[^\u{9}\u{a}\u{d}\u{20}-\u{d7ff}\u{e000}-\u{fffd}\u{10000}-\u{10ffff}]")
    ILLEGAL_REPLACEMENT = Hash.new { |_, c|
      x = c.ord
      if x <= 0xff
        "\\x%02X" % x
      elsif x <= 0xffff
        "\\u%04X" % x
      else
        "\\u{%X}" % x
      end
    }.update("\0" => "\\0", "\a" => "\\a", "\b" => "\\b", "\f" => "\\f", "\v" => "\\v", "\e" => "\\e").freeze

    def self.xml_text(s)
      s.to_s.encode(Encoding::UTF_8, invalid: :replace, undef: :replace).gsub(ILLEGAL, ILLEGAL_REPLACEMENT).gsub(/\r\n|[\t\n\r]/, " ")
    end

    private

    ANSI = /\e\[[\d;]*m/

    def plain(s)
      s.to_s.encode(Encoding::UTF_8, invalid: :replace, undef: :replace).gsub(ANSI, "")
    end

    def emit(event)
      @output.write(JSON.generate(event) << "\n")
      @output.flush
    end
  end
end
