/**
 * Validates the Plan (and, with checkCluster: true, against the target cluster); returns [planName:, planReady:].
 * Critical concerns fail the build with exit code 3; a plan naming VMs the source lacks, with 2. The concerns
 * are written to concernsFile (default vmlift-concerns.json) and archived with the documents (their YAML).
 */
def call(Map args = [:]) {
    String concerns = args.concernsFile ?: 'vmlift-concerns.json'
    List<String> options = ['--concerns-file', concerns]
    if (args.plan) {
        options.addAll(['--plan', args.plan])
    }
    if (args.checkCluster) {
        options.add('--check-cluster')
    }
    Map result = vmliftRun(args + [returnFailure: true], 'plan', options, ['plan-name', 'plan-ready'])
    // The documents the plan was checked with, and its concerns: what a reviewer of this build needs.
    String documents = args.documents ?: 'documents'
    archiveArtifacts(artifacts: "${documents}/*.yaml, ${concerns}".toString(), allowEmptyArchive: true)
    if (result.exitCode != 0 && !args.returnFailure) {
        error("vmlift plan failed (exit ${result.exitCode}): ${result.error ?: 'see the log above'}")
    }
    return result
}
