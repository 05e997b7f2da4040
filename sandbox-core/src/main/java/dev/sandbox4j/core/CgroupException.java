package dev.sandbox4j.core;

/**
 * Creating, configuring, reading or removing a sandbox cgroup failed. The message names the cgroup
 * file and the value written.
 */
public class CgroupException extends SandboxException {
    private static final long serialVersionUID = 1L;

    public CgroupException(String message) {
        super(message);
    }

    public CgroupException(String message, Throwable cause) {
        super(message, cause);
    }
}
