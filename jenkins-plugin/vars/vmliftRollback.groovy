/**
 * Undoes a Plan's migration after a failed gate: each source VM vmlift powered off is powered on again, vmlift's
 * snapshots go, and what the Plan made on the target is removed (keepTarget: true halts it and keeps its disks);
 * returns [planName:, rollbackStatus:, rolledBackVms: [...]]. ifFailed: true does nothing when the Plan's last
 * migration succeeded. Safe to rerun; fails the build (exit 5) when something could not be undone.
 */
def call(Map args = [:]) {
    List<String> options = []
    if (args.plan) {
        options.addAll(['--plan', args.plan])
    }
    if (args.outputDir) {
        options.addAll(['--output-dir', args.outputDir])
    }
    if (args.keepTarget) {
        options.add('--keep-target')
    }
    if (args.ifFailed) {
        options.add('--if-failed')
    }
    return vmliftRun(args, 'rollback', options, ['plan-name', 'rollback-status', 'rolled-back-vms'])
}
