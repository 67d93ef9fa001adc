"""Live status: run events pushed to websocket clients after commit, with replay from the
RunEvent log so a client always converges to the database."""
