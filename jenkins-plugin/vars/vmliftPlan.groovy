/**
 * Validates the Plan (and, with checkCluster: true, against the target cluster); returns [planName:, planReady:].
 * With waves: N (and canary: K, default 1), also writes the Plan as a canary and N waves of nearly equal size into
 * the documents as <plan>-waves.yaml, and returns their names too: [canaryPlan:, wavePlans: [...]].
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
    List<String> results = ['plan-name', 'plan-ready']
    if (args.waves) {
        if (!args.plan) {
            error('vmliftPlan: waves needs plan, the name of the Plan to split')
        }
        String documentsFolder = args.documents ?: 'documents'
        options.addAll(['--split', String.valueOf(args.waves), '--canary', String.valueOf(args.canary == null ? 1 : args.canary),
                '--plan-file', "${documentsFolder}/${args.plan}-waves.yaml".toString()])
        results.addAll(['canary-plan', 'wave-plans'])
    }
    Map result = vmliftRun(args + [returnFailure: true], 'plan', options, results)
    // The documents the plan was checked with, and its concerns: what a reviewer of this build needs.
    String documents = args.documents ?: 'documents'
    archiveArtifacts(artifacts: "${documents}/*.yaml, ${concerns}".toString(), allowEmptyArchive: true)
    if (result.exitCode != 0 && !args.returnFailure) {
        error("vmlift plan failed (exit ${result.exitCode}): ${result.error ?: 'see the log above'}")
    }
    return result
}
