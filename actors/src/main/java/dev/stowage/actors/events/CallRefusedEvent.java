package dev.stowage.actors.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * JFR: the façade refused a call with {@link dev.stowage.protocol.StorageOverloadedException}
 * ({@link dev.stowage.actors.facade.CallAdmission}): why, what was in flight, and how long it had waited. Costs nothing
 * unless a recording is running (README, "Watching it run").
 */
@Name("dev.stowage.CallRefused")
@Label("Call Refused")
@Category({"Stowage", "Overload"})
@Description("The façade refused a call: the workspace had as much in flight as stowage.overload admits")
@StackTrace(false)
public final class CallRefusedEvent extends jdk.jfr.Event {
  @Label("Workspace")
  String workspace;

  @Label("Reason")
  String reason;

  @Label("Calls in Flight")
  int callsInFlight;

  @Label("Bytes in Flight")
  @DataAmount
  long bytesInFlight;

  @Label("Waited")
  @Description("How long the call waited for admission before it was refused (0: refused at once)")
  @Timespan(Timespan.NANOSECONDS)
  long waited;

  public static void record(String workspace, String reason, int callsInFlight, long bytesInFlight, long waitedNanos) {
    CallRefusedEvent event = new CallRefusedEvent();
    if (event.shouldCommit()) {
      event.workspace = workspace;
      event.reason = reason;
      event.callsInFlight = callsInFlight;
      event.bytesInFlight = bytesInFlight;
      event.waited = waitedNanos;
      event.commit();
    }
  }
}
