/**
 * Connects to the source provider the documents name, logs in, and returns [provider:, vmCount:]. With
 * inventoryFile, also writes the full inventory there (for vmliftMap).
 */
def call(Map args = [:]) {
    List<String> options = []
    if (args.provider) {
        options.addAll(['--provider', args.provider])
    }
    if (args.inventoryFile) {
        options.addAll(['--inventory-file', args.inventoryFile])
    }
    return vmliftRun(args, 'connect', options, ['provider', 'vm-count'])
}
