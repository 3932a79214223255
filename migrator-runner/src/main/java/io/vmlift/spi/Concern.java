package io.vmlift.spi;

/**
 * A finding about a VM or a plan, in Forklift's categories. Critical blocks the migration.
 *
 * @param id a stable identifier pipelines can match on, e.g. VMNotFound or ova.disk.missing
 * @param vm the VM the concern is about, or null for the plan as a whole
 * @param assessment what to do about it
 */
public record Concern(String id, Category category, String vm, String label, String assessment) {

    public enum Category {
        Critical,
        Warning,
        Information
    }

    public static Concern critical(String id, String vm, String label, String assessment) {
        return new Concern(id, Category.Critical, vm, label, assessment);
    }

    public static Concern warning(String id, String vm, String label, String assessment) {
        return new Concern(id, Category.Warning, vm, label, assessment);
    }

    public static Concern info(String id, String vm, String label, String assessment) {
        return new Concern(id, Category.Information, vm, label, assessment);
    }

    public boolean blocks() {
        return category == Category.Critical;
    }

    /** One line for logs: "Critical VMNotFound (web-1): label; assessment". */
    public String oneLine() {
        return io.vmlift.Printable.oneLine(category + " " + id + (vm == null ? "" : " (" + vm + ")") + ": " + label
                + (assessment == null || assessment.isEmpty() ? "" : "; " + assessment));
    }
}
