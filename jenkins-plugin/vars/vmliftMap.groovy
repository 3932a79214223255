/**
 * Suggests a NetworkMap and a StorageMap for what the given VMs use and writes them to outputFile (default
 * <documents>/maps.yaml); returns [networkMap:, storageMap:].
 */
def call(Map args = [:]) {
    String documents = args.documents ?: 'documents'
    List<String> options = ['--output-file', args.outputFile ?: "${documents}/maps.yaml".toString()]
    List vms = args.vms ?: []
    for (int i = 0; i < vms.size(); i++) {
        options.addAll(['--vm', String.valueOf(vms[i])])
    }
    if (args.inventory) {
        options.addAll(['--inventory', args.inventory])
    }
    if (args.targetNamespace) {
        options.addAll(['--target-namespace', args.targetNamespace])
    }
    if (args.storageClass) {
        options.addAll(['--storage-class', args.storageClass])
    }
    return vmliftRun(args, 'map', options, ['network-map', 'storage-map'])
}
