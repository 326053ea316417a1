Feature: Order dependent

  Scenario: reads state an earlier feature left
    Then the shared state is "ready"

  Scenario: reads a counter an earlier feature bumped
    Then the counter was bumped before

  Scenario: does not depend on anything
    Given a step that passes
