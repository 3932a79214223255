/**
 * Migrates the Plan's VMs into the target cluster (kubeconfigCredentialsId), or into outputDir as manifests and
 * images; returns [planName:, migratedVms: [...], migrationStatus:]. A rerun picks up where a failed run stopped.
 */
def call(Map args = [:]) {
    List<String> options = ['--progress', 'plain']
    if (args.plan) {
        options.addAll(['--plan', args.plan])
    }
    if (args.outputDir) {
        options.addAll(['--output-dir', args.outputDir])
    }
    if (args.diskFormat) {
        options.addAll(['--disk-format', args.diskFormat])
    }
    if (args.maxInFlight) {
        options.addAll(['--max-in-flight', String.valueOf(args.maxInFlight)])
    }
    if (args.cutover) {
        options.addAll(['--cutover', args.cutover])
    }
    if (args.precopyInterval) {
        options.addAll(['--precopy-interval', String.valueOf(args.precopyInterval)])
    }
    if (args.uploadProxyUrl) {
        options.addAll(['--upload-proxy-url', args.uploadProxyUrl])
    }
    if (args.uploadProxyCa) {
        options.addAll(['--upload-proxy-ca', args.uploadProxyCa])
    }
    if (args.runnerImage) {
        options.addAll(['--runner-image', args.runnerImage])
    }
    return vmliftRun(args, 'migrate', options, ['plan-name', 'migrated-vms', 'migration-status'])
}
