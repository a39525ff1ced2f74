package dev.stowage.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP link on 127.0.0.1 to another address (the test PostgreSQL) that a test can cut, as a
 * network outage or a database crash would: every open connection is reset and new ones are
 * refused, until {@link #restore()} listens again on the same port. Each connection is piped by
 * two daemon threads.
 */
final class CuttableLink implements AutoCloseable {
  private final String targetHost;
  private final int targetPort;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket server;

  CuttableLink(String targetHost, int targetPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.port = server.getLocalPort();
    accept(server);
  }

  int port() {
    return port;
  }

  /** Resets every connection through the link and refuses new ones. */
  synchronized void cut() throws IOException {
    server.close();
    for (Socket socket : open) {
      try {
        socket.setSoLinger(true, 0); // a reset, not a polite close
      } catch (SocketException closedAlready) {
        // its pipe ended meanwhile
      }
      socket.close();
    }
    open.clear();
  }

  /** Accepts connections again, on the same port. */
  synchronized void restore() throws IOException {
    ServerSocket again = new ServerSocket();
    again.setReuseAddress(true);
    again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    server = again;
    accept(again);
  }

  private void accept(ServerSocket listening) {
    daemon("link-accept", () -> {
      while (!listening.isClosed()) {
        try {
          Socket client = listening.accept();
          Socket target = new Socket(targetHost, targetPort);
          open.add(client);
          open.add(target);
          daemon("link-up", () -> pipe(client, target));
          daemon("link-down", () -> pipe(target, client));
        } catch (IOException e) {
          // closed by cut(), or the target refused: the client sees its connection end
        }
      }
    });
  }

  private void pipe(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (SocketException e) {
      // cut
    } catch (IOException e) {
      // the other side went away
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void closeQuietly(Socket socket) {
    open.remove(socket);
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private static void daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
