Feature: Crash zone

  Scenario: before the crash passes
    Given a step that passes

  Scenario: before the crash fails
    Given a step that fails with "an ordinary failure before the crash"

  Scenario: before the crash is pending
    Given a step that is pending

  @crash
  Scenario: the runner dies here
    Given a step that passes
    And the runner process dies

  Scenario: after the crash passes
    Given a step that passes

  Scenario: after the crash fails
    Then 3 equals 4

  Scenario Outline: after the crash outline <n>
    Given a number <n>
    When I add them
    Then the sum is <n>

    Examples:
      | n |
      | 1 |
      | 2 |
      | 3 |
