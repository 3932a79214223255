/**
 * Tests the migrated VMs and publishes the JUnit XML with `junit`, whether they pass or not; returns
 * [testSummary:, testPassed:]. A failed check fails the build (exit 5) after the results are published.
 * suite: TestSuite documents (a file or folder) to run against the migrated guests; boot: true boots the VMs of
 * outputDir with QEMU on the agent to run them.
 */
def call(Map args = [:]) {
    String junitFile = args.junit ?: 'vmlift-junit.xml'
    String report = args.report ?: 'vmlift-report.json'
    List<String> options = ['--junit', junitFile, '--report', report]
    if (args.plan) {
        options.addAll(['--plan', args.plan])
    }
    if (args.outputDir) {
        options.addAll(['--output-dir', args.outputDir])
    }
    if (args.suite) {
        options.addAll(['-f', args.suite])
    }
    if (args.boot) {
        options.add('--boot')
    }
    if (args.readyTimeout) {
        options.addAll(['--ready-timeout', String.valueOf(args.readyTimeout)])
    }
    Map result = vmliftRun(args + [returnFailure: true], 'test', options, ['test-summary', 'test-passed'])
    if (fileExists(junitFile)) {
        junit(testResults: junitFile)
    }
    archiveArtifacts(artifacts: report, allowEmptyArchive: true)
    if (result.exitCode != 0 && !args.returnFailure) {
        error("vmlift test failed (exit ${result.exitCode}): ${result.error ?: result.testSummary ?: 'see the log above'}")
    }
    return result
}
