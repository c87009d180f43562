/** Version of the Cohort wire protocol. Peers with a different version are refused at connection. */
export const PROTOCOL_VERSION = 1;
