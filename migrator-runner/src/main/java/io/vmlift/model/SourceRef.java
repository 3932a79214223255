package io.vmlift.model;

/** Names a source object (VM, network, datastore) by id or name, as Forklift's ref.Ref does. */
public record SourceRef(String id, String name, String namespace, String type, String vlan) {

    /** True when this ref names the object with the given id and name; the id wins when both are set. */
    public boolean matches(String objectId, String objectName) {
        if (id != null && !id.isEmpty()) {
            return id.equals(objectId);
        }
        return name != null && name.equals(objectName);
    }

    /** True when this ref names an object by this other name (a name some other tool gives it), not by id. */
    public boolean namesOnly(String otherName) {
        return (id == null || id.isEmpty()) && otherName != null && otherName.equals(name);
    }

    public String describe() {
        return id != null && !id.isEmpty() ? "id " + id : "name " + name;
    }
}
