package com.cloudbees.groovy.cps

import java.lang.annotation.ElementType
import java.lang.annotation.Retention
import java.lang.annotation.RetentionPolicy
import java.lang.annotation.Target

/** Stand-in for Jenkins' @NonCPS in the tests: marks a method that runs outside CPS. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface NonCPS {}
