package io.vmlift.target.kubevirt;

import io.vmlift.disk.DiskCopier;
import io.vmlift.disk.DiskImage;
import io.vmlift.disk.Qcow2StreamWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
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
        PipedInputStream body = new PipedInputStream(4 << 20);
        PipedOutputStream pipe = new PipedOutputStream(body);
        HttpRequest request = HttpRequest.newBuilder(proxy.resolve(UPLOAD_PATH))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofHours(12))
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body),
                        length))
                .build();
        CompletableFuture<HttpResponse<String>> response = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        // If the proxy gives up early, close our end so that the copy does not block on a full pipe.
        response.whenComplete((r, e) -> closeQuietly(body));
        DiskCopier.Result result;
        try (pipe) {
            result = copier.copyInOrder(image, new Qcow2StreamWriter(Channels.newChannel(pipe)), progress);
        } catch (IOException e) {
            HttpResponse<String> early = response.getNow(null);
            if (early != null && early.statusCode() / 100 != 2) {
                throw rejected(early);
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
        return new IOException("the CDI upload proxy " + proxy + " answered " + answer.statusCode()
                + (text.isEmpty() ? "" : ": " + text));
    }

    private static void closeQuietly(PipedInputStream body) {
        try {
            body.close();
        } catch (IOException e) {
            // Closing only unblocks the writer; there is nothing to report.
        }
    }
}
