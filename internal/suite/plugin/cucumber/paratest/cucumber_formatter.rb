# encoding: utf-8
#
# Paratest::CucumberFormatter streams what jenkins-paratest needs to know of a
# cucumber run, one JSON object a line, flushed as it is written, so that the
# file says which scenario was running when the process died:
#
#   {"event":"start","id":"features/a.feature:12"}
#   {"event":"finish","id":...,"status":"passed|failed|skipped","result":...,
#    "class":...,"name":...,"duration":...,"message":...,"details":...}
#   {"event":"done"}
#
# class, name and status are computed exactly as cucumber's own JUnit formatter
# (cucumber/formatter/junit.rb of this cucumber, 2.x event API) computes a
# testcase's classname, name and outcome, with its NameBuilder and ResultBuilder.
# cucumber loads this file itself when --format names the class and the file's
# directory is on the load path (RUBYLIB): no --require, so cucumber still loads
# features/**/*.rb on its own, as in a plain run.
require 'json'
require 'cucumber/formatter/io'
require 'cucumber/formatter/junit'
require 'cucumber/formatter/backtrace_filter'

module Paratest
  class CucumberFormatter
    include Cucumber::Formatter::Io

    def initialize(config)
      @config = config
      @io = ensure_io(config.out_stream)
      @io.sync = true
      config.on_event :before_test_case, &method(:on_before_test_case)
      config.on_event :after_test_step, &method(:on_after_test_step)
      config.on_event :after_test_case, &method(:on_after_test_case)
      config.on_event :finished_testing, &method(:on_finished_testing)
    end

    def on_before_test_case(event)
      @failing_step_source = nil
      emit(event: 'start', id: event.test_case.location.to_s)
    end

    # As the JUnit formatter: the first step (or hook) that was not ok.
    def on_after_test_step(event)
      return if @failing_step_source
      @failing_step_source = event.test_step.source.last unless event.result.ok?(@config.strict?)
    end

    def on_after_test_case(event)
      test_case = event.test_case
      result = event.result
      # A scenario without steps has no result in a dry run (Unknown).
      unless result.respond_to?(:ok?)
        emit(event: 'finish', id: test_case.location.to_s, status: 'skipped', result: 'unknown',
             class: test_case.feature.name, name: junit_name(test_case))
        return
      end
      result = result.with_filtered_backtrace(Cucumber::Formatter::BacktraceFilter)
      names = Cucumber::Formatter::NameBuilder.new(test_case)
      name = junit_name(test_case)
      status = if result.passed?
                 'passed'
               elsif result.ok?(@config.strict?)
                 'skipped'
               else
                 'failed'
               end
      exception = backtrace_object(result)
      emit(event: 'finish',
           id: test_case.location.to_s,
           status: status,
           result: result.to_sym.to_s,
           class: test_case.feature.name,
           name: name,
           duration: Cucumber::Formatter::ResultBuilder.new(result).test_case_duration,
           message: message(result, exception),
           details: status == 'failed' ? details(test_case, names, result, exception) : '')
    end

    def on_finished_testing(_event)
      emit(event: 'done')
    end

    private

    def emit(obj)
      @io.write(JSON.generate(obj) + "\n")
      @io.flush
    end

    # The JUnit formatter's get_backtrace_object.
    def backtrace_object(result)
      return result.exception if result.failed?
      return result if result.respond_to?(:backtrace) && result.backtrace
      nil
    end

    def junit_name(test_case)
      names = Cucumber::Formatter::NameBuilder.new(test_case)
      "#{names.scenario_name}#{names.name_suffix}"
    end

    # One line: the exception's message, or why the scenario did not run:
    # "pending: not written yet", "undefined: Undefined step: ...".
    def message(result, exception)
      return '' if result.passed?
      text = exception ? exception.message.to_s : ''
      text = result.message.to_s if text.empty? && result.respond_to?(:message)
      # The first paragraph, on one line: RSpec's "expected: 2 got: 1".
      para = text.strip.split(/\n\s*\n/).first
      line = para && para.split.join(' ')[0, 500]
      line = nil if line && line.empty?
      return line || 'failed' if result.failed?
      line ? "#{result.to_sym}: #{line}" : result.to_sym.to_s
    end

    # The body of the JUnit formatter's <failure>: create_output_string, then
    # format_exception.
    def details(test_case, names, result, exception)
      out = "#{test_case.keyword}: #{names.scenario_name}\n\n"
      step = @failing_step_source
      if step
        if test_case.keyword == 'Scenario'
          out += step.keyword.to_s unless ['Before hook', 'After hook', 'AfterStep hook'].include?(step.name)
          out += "#{step.name}\n"
        else
          out += "Example row: #{names.row_name}\n"
        end
        out += "\nMessage:\n"
      end
      if exception
        out += ([
          "#{exception.message} (#{exception.class})"
        ] + (exception.backtrace || [])).join("\n")
      end
      out
    end
  end
end
