// Two Lambda handlers for the recording workflow (Node.js, unchanged on AWS).

// Called once $.start has passed: keeps the data it received and marks it
// as recording.
exports.startRecording = async (event) => {
  console.log(`start recording ${event.camera ?? "camera"} at ${new Date().toISOString()}`);
  return { ...event, isRecording: true, startedAt: new Date().toISOString() };
};

// Called once $.end has passed: reads what the first task added.
exports.stopRecording = async (event) => {
  if (event.isRecording !== true) {
    const error = new Error("stopRecording called while not recording");
    error.name = "NotRecording";
    throw error;
  }
  const seconds = (Date.parse(event.end) - Date.parse(event.start)) / 1000;
  return {
    camera: event.camera,
    wasRecording: event.isRecording,
    isRecording: false,
    startedAt: event.startedAt,
    stoppedAt: new Date().toISOString(),
    scheduledSeconds: seconds,
  };
};
