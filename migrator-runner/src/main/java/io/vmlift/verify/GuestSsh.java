package io.vmlift.verify;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import io.vmlift.model.Credentials;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A command run in a guest over SSH, with a login from a Secret as Kubernetes types them: kubernetes.io/ssh-auth
 * (ssh-privatekey, and username) or kubernetes.io/basic-auth (username, password). The guest's host key is not
 * checked: the guest was made moments ago from a copy, and the connection goes through a local forward. Neither
 * the key nor the password is written anywhere or put on a command line.
 */
final class GuestSsh {
    private GuestSsh() {}

    static GuestAccess.Run run(InetSocketAddress at, Credentials login, List<String> command, Duration timeout)
            throws IOException {
        String user = login.value("username") != null ? login.value("username") : "root";
        String key = login.value("ssh-privatekey");
        String password = login.value("password");
        if (key == null && password == null) {
            throw new IOException("the Secret has neither ssh-privatekey nor password");
        }
        JSch jsch = new JSch();
        Session session = null;
        try {
            if (key != null) {
                jsch.addIdentity("guest", key.getBytes(StandardCharsets.UTF_8), null, null);
            }
            session = jsch.getSession(user, at.getHostString(), at.getPort());
            if (password != null) {
                session.setPassword(password);
            }
            session.setConfig("StrictHostKeyChecking", "no");
            session.setConfig("PreferredAuthentications", key != null ? "publickey,password" : "password");
            int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
            session.connect(millis);
            ChannelExec channel = (ChannelExec) session.openChannel("exec");
            channel.setCommand(command.stream().map(GuestSsh::quote).collect(Collectors.joining(" ")));
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            channel.setErrStream(output);
            InputStream in = channel.getInputStream();
            channel.connect(millis);
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] buffer = new byte[8192];
            while (true) {
                while (in.available() > 0 && output.size() < (1 << 20)) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    output.write(buffer, 0, n);
                }
                if (channel.isClosed() && in.available() == 0) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException(command.get(0) + " did not end in the guest within " + timeout.toSeconds()
                            + " s");
                }
                Thread.sleep(50);
            }
            return new GuestAccess.Run(channel.getExitStatus(), output.toString(StandardCharsets.UTF_8));
        } catch (JSchException e) {
            throw new IOException("ssh " + user + "@guest: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            if (session != null) {
                session.disconnect();
            }
        }
    }

    /** A word for the guest's shell, quoted so that it stays one argument. */
    static String quote(String word) {
        return word.matches("[A-Za-z0-9_./:=@%+-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }
}
