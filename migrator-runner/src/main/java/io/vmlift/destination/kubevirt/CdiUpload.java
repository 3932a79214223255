package io.vmlift.destination.kubevirt;

import io.vmlift.disk.DiskCopier;
import io.vmlift.disk.DiskImage;
import io.vmlift.disk.Qcow2StreamWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongConsumer;

/**
 * CDI's upload protocol, as `virtctl image-upload` speaks it: POST the image to the upload proxy's
 * /v1beta1/upload with the token of an UploadTokenRequest. The body is a qcow2 stream made on the fly from the
 * source's allocated extents, so nothing is staged on local disk and holes never cross the network.
 */
public final class CdiUpload {
    static final String UPLOAD_PATH = "/v1beta1/upload";

    private final HttpClient http;
    private final URI proxy;

    public CdiUpload(HttpClient http, URI proxy) {
        this.http = http;
        this.proxy = proxy;
    }

    /** Streams the image; returns when the proxy has accepted all of it, or throws with the proxy's answer. */
    public DiskCopier.Result upload(DiskImage image, String token, DiskCopier copier, LongConsumer progress)
            throws IOException {
        long length = Qcow2StreamWriter.streamLength(image);
        BytePipe pipe = new BytePipe();
        HttpRequest request = HttpRequest.newBuilder(uploadUri())
                // One plain HTTP/1.1 POST: an h2c upgrade or a retry would need the body a second time.
                .version(HttpClient.Version.HTTP_1_1)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofHours(12))
                .POST(HttpRequest.BodyPublishers.fromPublisher(pipe.body, length))
                .build();
        CompletableFuture<HttpResponse<String>> response = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        // If the proxy answers early (401, 503 while its pod starts), stop the copy instead of blocking on it.
        response.whenComplete((r, e) -> pipe.closeReader());
        DiskCopier.Result result;
        try (WritableByteChannel sink = pipe.sink) {
            result = copier.copyInOrder(image, new Qcow2StreamWriter(sink), progress);
        } catch (IOException e) {
            if (response.isDone()) {
                // The copy stopped because the request ended: the request's own outcome is the real cause.
                try {
                    HttpResponse<String> early = response.join();
                    if (early.statusCode() / 100 != 2) {
                        throw rejected(early);
                    }
                } catch (java.util.concurrent.CompletionException failed) {
                    Throwable cause = failed.getCause() == null ? failed : failed.getCause();
                    throw new IOException("upload to " + proxy + " failed: " + cause, cause);
                }
            }
            response.cancel(true);
            throw e;
        }
        HttpResponse<String> answer;
        try {
            answer = response.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("upload interrupted");
        } catch (ExecutionException e) {
            throw new IOException("upload to " + proxy + " failed: " + e.getCause().getMessage(), e.getCause());
        }
        if (answer.statusCode() / 100 != 2) {
            throw rejected(answer);
        }
        return result;
    }

    private IOException rejected(HttpResponse<String> answer) {
        String text = answer.body() == null ? "" : answer.body().strip().lines().findFirst().orElse("");
        String message = "the CDI upload proxy " + proxy + " answered " + answer.statusCode()
                + (text.isEmpty() ? "" : ": " + text);
        // Busy or restarting (its pod starting, a gateway without a backend): worth another try.
        boolean busy = switch (answer.statusCode()) {
            case 429, 502, 503, 504 -> true;
            default -> false;
        };
        return busy ? new io.vmlift.TransientIOException(message, null) : new IOException(message);
    }

    /** The proxy's URL with the upload path appended (a route or ingress may serve it under a prefix). */
    URI uploadUri() {
        String base = proxy.toString().replaceAll("/+$", "");
        return URI.create(base + UPLOAD_PATH);
    }

    /** Proves the proxy answers and its certificate is trusted, before anything is made on the cluster. */
    public void checkReachable() throws IOException {
        String base = proxy.toString().replaceAll("/+$", "");
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/healthz")).timeout(Duration.ofSeconds(30))
                .GET().build();
        try {
            http.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("checking the upload proxy was interrupted");
        } catch (javax.net.ssl.SSLException e) {
            throw new IOException("the CDI upload proxy " + proxy + " has a certificate this machine does not trust ("
                    + e.getMessage() + "); pass its CA with --upload-proxy-ca", e);
        } catch (IOException e) {
            throw new IOException("cannot reach the CDI upload proxy at " + proxy + " (" + e.getMessage()
                    + "); check --upload-proxy-url", e);
        }
    }
}
