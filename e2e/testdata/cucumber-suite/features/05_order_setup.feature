Feature: Order setup

  Scenario: leaves shared state behind
    Given the shared state is set to "ready"
    Then the shared state is "ready"

  Scenario: bumps a global counter
    Given the counter is bumped
