package org.jenkinsci.plugins.workflow.libs

import java.lang.annotation.Retention
import java.lang.annotation.RetentionPolicy

/** Stand-in for Jenkins' @Library in the tests (Jenkins imports it implicitly). */
@Retention(RetentionPolicy.SOURCE)
@interface Library {
    String[] value()
}
