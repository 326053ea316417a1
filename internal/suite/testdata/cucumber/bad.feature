Feature: Broken

  Scenario: fine
    Given a step that passes

  Scenario Outline
    | bad |
