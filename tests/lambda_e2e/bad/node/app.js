exports.leave = async () => {
  process.exit(2);
};

exports.hang = () => new Promise(() => setTimeout(() => {}, 60000));
