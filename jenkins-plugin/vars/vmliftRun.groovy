import io.vmlift.jenkins.VmliftCommand

/**
 * Runs one vmlift stage for the vmlift* steps: the runner with its options, source credentials (a
 * usernamePassword credential) and the target's kubeconfig (a file credential) only in the environment, and the
 * result files read back into a map. Fails the build with vmlift's own one-line reason when it exits non-zero.
 */
def call(Map args, String stage, List<String> stageArgs, List<String> resultNames) {
    String documents = args.documents ?: 'documents'
    String results = args.resultsDir ?: ".vmlift/${stage}-results"
    String runner = args.runner ?: (env.VMLIFT_RUNNER ?: 'vmlift')
    sh(script: 'rm -rf ' + VmliftCommand.quote(results) + ' && mkdir -p ' + VmliftCommand.quote(results))
    List<String> argv = ['-f', documents, '--results-dir', results]
    argv.addAll(stageArgs)
    String command = VmliftCommand.line(runner, stage, argv)

    List credentials = []
    if (args.credentialsId) {
        String secret = args.secretName ?: 'vmlift-source-credentials'
        credentials.add(usernamePassword(credentialsId: args.credentialsId,
                usernameVariable: VmliftCommand.secretVariable(secret, 'user'),
                passwordVariable: VmliftCommand.secretVariable(secret, 'password')))
    }
    if (args.kubeconfigCredentialsId) {
        credentials.add(file(credentialsId: args.kubeconfigCredentialsId, variable: 'KUBECONFIG'))
    }
    int status
    if (credentials) {
        withCredentials(credentials) {
            status = sh(script: command, returnStatus: true)
        }
    } else {
        status = sh(script: command, returnStatus: true)
    }

    Map values = [:]
    List<String> names = new ArrayList<String>(resultNames)
    names.add('error')
    for (int i = 0; i < names.size(); i++) {
        String name = names[i]
        String path = "${results}/${name}"
        if (fileExists(path)) {
            values[VmliftCommand.camel(name)] = VmliftCommand.value(readFile(path))
        }
    }
    values.exitCode = status
    if (status != 0 && !args.returnFailure) {
        String meaning = VmliftCommand.EXIT_CODES[status] ?: 'unknown'
        error("vmlift ${stage} failed (exit ${status}, ${meaning}): ${values.error ?: 'see the log above'}")
    }
    return values
}
