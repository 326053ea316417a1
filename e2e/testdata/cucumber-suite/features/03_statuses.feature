Feature: Statuses

  Scenario: passing
    Given a step that passes

  Scenario: failing with an exception
    Given a step that fails with "boom: something went wrong"
    Then a step that passes

  Scenario: failing an expectation
    Then 1 equals 2

  Scenario: pending step
    Given a step that is pending
    Then a step that passes

  Scenario: undefined step
    Given a step nobody has written
    Then a step that passes

  Scenario: steps after a failure are skipped
    Given a step that passes
    And a step that fails with "first failure"
    And a step that passes
    And a step that is pending

  @broken_hook
  Scenario: a failing Before hook
    Given a step that passes

  @broken_hook
  Scenario Outline: a failing Before hook on outline rows <n>
    Given a step that passes

    Examples:
      | n |
      | 1 |
      | 2 |

  @skip_me
  Scenario: skipped by a hook
    Given a step that fails with "never runs"

  @broken_after
  Scenario: a failing After hook
    Given a step that passes

  Scenario: no steps at all

  Scenario: pending after output
    Given a step that prints "before pending"
    And a step that is pending

  Scenario Outline: undefined in an outline <x>
    Given an undefined step with <x>

    Examples:
      | x   |
      | one |
      | two |
