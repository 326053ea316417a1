Feature: Slow

  Scenario: sleeps one second
    Given a step that sleeps 1 second

  Scenario: sleeps one and a half seconds
    Given a step that sleeps 1.5 seconds

  Scenario: sleeps two seconds
    Given a step that sleeps 2 seconds
