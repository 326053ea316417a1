Feature:

  Scenario: in a feature without a name
    Given a step that passes
