package io.vmlift.source;

/** What a source provider's client threw, read for a one-line message: the cause that matters, by type. */
public final class SourceFailures {
    private SourceFailures() {}

    /** The first throwable of the type in the cause chain, or null. */
    public static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable at = e; at != null; at = at.getCause() == at ? null : at.getCause()) {
            if (type.isInstance(at)) {
                return type.cast(at);
            }
        }
        return null;
    }

    /** The innermost cause, as "Type: message": what actually went wrong, under the clients' wrappers. */
    public static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
