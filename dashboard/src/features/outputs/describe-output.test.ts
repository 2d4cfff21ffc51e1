import { describe, expect, it } from "vitest";
import { command, output } from "../../test/fixtures";
import { describeCommand, formatOutputState, summarizeOutput } from "./describe-output";

describe("formatOutputState", () => {
  it("says On and Off for a relay, a percentage for a level", () => {
    expect(formatOutputState("relay", 1)).toBe("On");
    expect(formatOutputState("relay", 0)).toBe("Off");
    expect(formatOutputState("level", 40)).toBe("40 %");
    expect(formatOutputState("relay", null)).toBe("not reported");
  });
});

describe("describeCommand", () => {
  it("puts every status in words", () => {
    expect(describeCommand(command({ status: "queued" }), "relay")).toBe(
      "Switching to On: waiting for the node to pick it up.",
    );
    expect(describeCommand(command({ status: "delivered", state: 70 }), "level")).toBe(
      "Switching to 70 %: the node has it, waiting for its confirmation.",
    );
    expect(describeCommand(command({ status: "confirmed", state: 0 }), "relay")).toBe("Confirmed: Off.");
    expect(describeCommand(command({ status: "failed", error: "relay stuck" }), "relay")).toBe(
      "Failed to set On: relay stuck.",
    );
    expect(describeCommand(command({ status: "expired", error: "not delivered within 60 s" }), "relay")).toBe(
      "Not done (On): not delivered within 60 s.",
    );
  });

  it("gives a reason even when the node sent none", () => {
    expect(describeCommand(command({ status: "failed", error: null }), "relay")).toBe(
      "Failed to set On: the node reported an error.",
    );
    expect(describeCommand(command({ status: "expired", error: " " }), "relay")).toBe(
      "Not done (On): the node did not answer in time.",
    );
  });
});

describe("summarizeOutput", () => {
  it("shows a pending command first", () => {
    const summary = summarizeOutput(output({ pending_command: command({ status: "delivered" }) }), "online");
    expect(summary?.tone).toBe("info");
    expect(summary?.text).toMatch(/^Switching to On/);
  });

  it("warns that a command to an offline node may expire", () => {
    const summary = summarizeOutput(output({ pending_command: command() }), "offline");
    expect(summary?.tone).toBe("warn");
    expect(summary?.text).toContain("offline");
  });

  it("says a failed or expired last command in words", () => {
    const failed = summarizeOutput(output({ last_command: command({ status: "failed", error: "fuse" }) }), "online");
    expect(failed).toEqual({ tone: "bad", text: "Failed to set On: fuse." });
    const expired = summarizeOutput(
      output({ last_command: command({ status: "expired", error: "not acknowledged within 60 s" }) }),
      "online",
    );
    expect(expired?.text).toBe("Not done (On): not acknowledged within 60 s.");
  });

  it("points out a node reporting something else than wanted", () => {
    const summary = summarizeOutput(output({ desired_state: 1, reported_state: 0 }), "online");
    expect(summary).toEqual({ tone: "warn", text: "The node reports Off, wanted On." });
  });

  it("has nothing to add when the node reports what is wanted after a confirmed command", () => {
    const summary = summarizeOutput(
      output({ desired_state: 1, reported_state: 1, last_command: command({ status: "confirmed" }) }),
      "online",
    );
    expect(summary).toBeNull();
  });

  it("says a retired node's output cannot be switched", () => {
    expect(summarizeOutput(output({ pending_command: command() }), "retired")?.tone).toBe("muted");
  });
});
